// The mechanics live with the event store (its schema is migrated by them, and it imports nothing
// of ours); every module's read-model schema uses the same runner.
export { runMigrations, type MigrationSet } from '../event-store/migrations.js';
