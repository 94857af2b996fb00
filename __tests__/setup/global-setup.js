// @ts-check
/** jest globalSetup: this run's temporary folder (run-tmpdir.js). */
const { createRunTmpdir } = require("./run-tmpdir");

module.exports = async () => {
  createRunTmpdir();
};
