// Release v1: orders and their lines.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('users.id'))
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('placed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.createIndex('orders_user_id_idx').on('orders').column('user_id').execute();

  await db.schema
    .createTable('order_lines')
    .addColumn('order_id', 'bigint', (col) => col.notNull().references('orders.id'))
    .addColumn('product_id', 'bigint', (col) => col.notNull().references('products.id'))
    .addColumn('quantity', 'integer', (col) => col.notNull().check(sql`quantity > 0`))
    .addPrimaryKeyConstraint('order_lines_pkey', ['order_id', 'product_id'])
    .execute();
}
