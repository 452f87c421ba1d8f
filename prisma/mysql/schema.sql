-- MySQL/MariaDB DDL for schema.prisma, kept by hand: the WebAssembly schema engine on our machines has
-- no MySQL connector. Keep it equivalent to generated/postgresql/schema.sql (same tables, columns,
-- keys, indexes and foreign keys, same names) when the schema changes.
--
-- Prisma maps `String` to VARCHAR(191) on MySQL, too short for ciphertext (an Encryption SDK message
-- in base64 is about 350 characters with a local key and 600 with a KMS key). Encrypted columns are
-- therefore TEXT; ids, keys, blind indexes and other indexed strings stay VARCHAR(191).
-- Blind-index columns are compared byte for byte (COLLATE utf8mb4_bin): an index is base64url, where
-- `a` and `A` differ, and a case-insensitive collation would merge distinct indexes.
-- Key scopes are compared byte for byte and without padding, and are up to 255 characters
-- (MAX_SCOPE_LENGTH of field-crypto): the key store's `scope` and the scope fields (`tenant_id`) are
-- VARCHAR(255) COLLATE utf8mb4_nopad_bin (MariaDB; utf8mb4_0900_bin on MySQL 8). Under the default
-- utf8mb4_unicode_ci, 'acme', 'ACME' and 'acme ' are one value, and under utf8mb4_bin (PAD SPACE)
-- 'acme' and 'acme ' still are: a shred of one would destroy the others' keys, and $forScope('acme')
-- would update the others' rows. `purpose` is VARCHAR(32), so the unique index stays within InnoDB's
-- 3072 bytes.

-- CreateTable
CREATE TABLE `users` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `name` TEXT NOT NULL,
    `email` TEXT NOT NULL,
    `email_hash` VARCHAR(191) COLLATE utf8mb4_bin NULL,
    `phone_number` TEXT NULL,
    `role` VARCHAR(191) NOT NULL DEFAULT 'member',
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `users_email_hash_key`(`email_hash`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Profile` (
    `id` VARCHAR(191) NOT NULL,
    `bio` TEXT NULL,
    `ssn` TEXT NULL,
    `ssnHash` VARCHAR(191) COLLATE utf8mb4_bin NULL,
    `userId` INTEGER NOT NULL,

    UNIQUE INDEX `Profile_userId_key`(`userId`),
    INDEX `Profile_ssnHash_idx`(`ssnHash`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Post` (
    `id` VARCHAR(191) NOT NULL,
    `title` VARCHAR(191) NOT NULL,
    `body` TEXT NOT NULL,
    `secretNote` TEXT NULL,
    `published` BOOLEAN NOT NULL DEFAULT false,
    `authorId` INTEGER NOT NULL,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Tag` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `name` VARCHAR(191) NOT NULL,

    UNIQUE INDEX `Tag_name_key`(`name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Comment` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `text` TEXT NOT NULL,
    `postId` VARCHAR(191) NOT NULL,
    `authorId` INTEGER NOT NULL,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `audit_entries` (
    `tenant` VARCHAR(191) NOT NULL,
    `seq` INTEGER NOT NULL,
    `payload` TEXT NOT NULL,
    `action` VARCHAR(191) NOT NULL,

    PRIMARY KEY (`tenant`, `seq`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Account` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `owner` TEXT NOT NULL,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Settings` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `secret` TEXT NULL,
    `settings` TEXT NULL,
    `data` VARCHAR(191) NULL,
    `set` VARCHAR(191) NULL,
    `where` TEXT NULL,
    `is` VARCHAR(191) NULL,
    `accountId` INTEGER NOT NULL,

    UNIQUE INDEX `Settings_accountId_key`(`accountId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Note` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `label` TEXT NULL,
    `labelHash` VARCHAR(191) NULL,
    `accountId` INTEGER NOT NULL,

    INDEX `Note_labelHash_idx`(`labelHash`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `_PostToTag` (
    `A` VARCHAR(191) NOT NULL,
    `B` INTEGER NOT NULL,

    INDEX `_PostToTag_B_index`(`B`),
    PRIMARY KEY (`A`, `B`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `Profile` ADD CONSTRAINT `Profile_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Post` ADD CONSTRAINT `Post_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Comment` ADD CONSTRAINT `Comment_postId_fkey` FOREIGN KEY (`postId`) REFERENCES `Post`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Comment` ADD CONSTRAINT `Comment_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `_PostToTag` ADD CONSTRAINT `_PostToTag_A_fkey` FOREIGN KEY (`A`) REFERENCES `Post`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `_PostToTag` ADD CONSTRAINT `_PostToTag_B_fkey` FOREIGN KEY (`B`) REFERENCES `Tag`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Settings` ADD CONSTRAINT `Settings_accountId_fkey` FOREIGN KEY (`accountId`) REFERENCES `Account`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Note` ADD CONSTRAINT `Note_accountId_fkey` FOREIGN KEY (`accountId`) REFERENCES `Account`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE `prisma_kms_keys` (
    `key_store` VARCHAR(191) NOT NULL,
    `id` BIGINT NOT NULL,
    `key_name` VARCHAR(191) NOT NULL,
    `version` INTEGER NOT NULL,
    `purpose` VARCHAR(32) NOT NULL,
    `scope` VARCHAR(255) COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT '',
    `status` VARCHAR(191) NOT NULL DEFAULT 'active',
    `material` TEXT NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `prisma_kms_keys_key_store_scope_idx`(`key_store`, `scope`),
    UNIQUE INDEX `prisma_kms_keys_key_store_key_name_purpose_scope_version_key`(`key_store`, `key_name`, `purpose`, `scope`, `version`),
    PRIMARY KEY (`key_store`, `id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `tenant_members` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `tenant_id` VARCHAR(255) COLLATE utf8mb4_nopad_bin NOT NULL,
    `email` TEXT NULL,
    `email_hash` VARCHAR(191) COLLATE utf8mb4_bin NULL,
    `name` TEXT NULL,

    UNIQUE INDEX `tenant_members_tenant_id_email_hash_key`(`tenant_id`, `email_hash`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `tenant_notes` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `tenant_id` VARCHAR(255) COLLATE utf8mb4_nopad_bin NOT NULL,
    `text` TEXT NOT NULL,
    `memberId` INTEGER NOT NULL,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Journal` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `entry` TEXT NOT NULL,
    `topic` TEXT NULL,
    `topic_hash` VARCHAR(191) COLLATE utf8mb4_bin NULL,

    INDEX `Journal_topic_hash_idx`(`topic_hash`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `tenant_notes` ADD CONSTRAINT `tenant_notes_memberId_fkey` FOREIGN KEY (`memberId`) REFERENCES `tenant_members`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
