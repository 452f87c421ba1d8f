-- CreateTable
CREATE TABLE "prisma_kms_keys" (
    "key_store" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "key_name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "purpose" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'active',
    "material" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prisma_kms_keys_pkey" PRIMARY KEY ("key_store","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "prisma_kms_keys_key_store_key_name_purpose_scope_version_key" ON "prisma_kms_keys"("key_store", "key_name", "purpose", "scope", "version");
