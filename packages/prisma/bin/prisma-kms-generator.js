#!/usr/bin/env node
// Entry point Prisma runs for `generator ... { provider = "prisma-kms-generator" }`.
require('../dist/generator/main.js');
