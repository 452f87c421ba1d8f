export {
  createTestDatabase,
  withTestDatabase,
  schemaDdl,
  PG_URL,
  MYSQL_URL,
  type Provider,
  type TestDatabase,
  type TestPrismaClient,
} from './databases';
export { clientPool, type ClientPool } from './client-pool';
export { openRawConnection, mariadbConfig, type RawConnection } from './raw-connection';
