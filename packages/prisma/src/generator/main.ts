// The process Prisma starts for `generator ... { provider = "prisma-kms-generator" }`: it speaks
// JSON-RPC on stdin/stderr through @prisma/generator-helper. Importing this module starts listening,
// so nothing else imports it.
import { generatorHandler } from '@prisma/generator-helper';
import { fieldMapGenerator } from './handler';

generatorHandler(fieldMapGenerator);
