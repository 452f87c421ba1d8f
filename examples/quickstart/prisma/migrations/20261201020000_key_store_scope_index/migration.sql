-- CreateIndex
CREATE INDEX "prisma_kms_keys_key_store_scope_idx" ON "prisma_kms_keys"("key_store", "scope");
