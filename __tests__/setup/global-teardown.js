// @ts-check
/** jest globalTeardown: deletes this run's temporary folder (run-tmpdir.js). */
const { removeRunTmpdir } = require("./run-tmpdir");

module.exports = async () => {
  removeRunTmpdir();
};
