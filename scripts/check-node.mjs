// Fails fast when npm scripts run under the machine's old Node instead of the project's own (the
// `node` devDependency): that happens after `npm ci --ignore-scripts`, and everything after it would
// fail in confusing ways.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `Node ${process.versions.node} is running, but this project needs Node >= 22.12.\n` +
      'Run `npm install` (without --ignore-scripts) so the `node` devDependency installs its binary.',
  );
  process.exit(1);
}
