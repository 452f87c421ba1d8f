export { prismaKeyStorage, type PrismaKmsKeyDelegate, type PrismaKmsKeyRecord } from './prisma-key-storage';
