/* global db */
// Runs once, when the mongo service initialises an empty data volume (docker-entrypoint-initdb.d), as the root
// user: creates the application's own user, allowed to read and write its database and nothing else.
const appDb = db.getSiblingDB('orders');
appDb.createUser({
  user: process.env.MONGO_APP_USER || 'orders',
  pwd: process.env.MONGO_APP_PASSWORD,
  roles: [{ role: 'readWrite', db: 'orders' }],
});
