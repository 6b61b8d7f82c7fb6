// Runs before start and test, on whatever Node npm found: the project needs 24 (type stripping, node:sqlite).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `This project runs on Node 24; this is Node ${process.versions.node}. ` +
      'Run it through npm (npm start, npm test, npm run ...), which uses the Node 24 that `npm install` put in node_modules/.bin.',
  );
  process.exit(1);
}
