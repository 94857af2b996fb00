/**
 * Three tiers run by `npm test`: unit (synth-level, seconds), terraform (real terraform plan, apply and
 * refresh against the offline AWS provider) and integration (real openclaw, the boot script in a sandbox,
 * shellcheck, systemd-analyze). The VM proof runs separately: `npm run test:vm`.
 * `npm run test:terraform` alone is the loop for a change to the constructs.
 * ts-jest transpiles only (isolatedModules); `tsc --noEmit` type-checks once before jest.
 */
// tsconfig's isolatedModules makes ts-jest transpile file by file, without type information.
const transform = { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] };
const common = {
  testEnvironment: "node",
  transform,
  moduleFileExtensions: ["ts", "js", "json"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup-matchers.ts"],
  // .cache holds the openclaw fixture (~840 MB of node_modules) and VM images: never crawl them.
  modulePathIgnorePatterns: ["<rootDir>/.cache/", "<rootDir>/cdktf.out/"],
};

module.exports = {
  // Two workers: jest's default (cores - 1) is ONE on a 2-core machine, which ran the files one after
  // the other (611 s of files, 619 s wall). The heavy files wait on other processes (terraform and its
  // provider, the real gateway ~1 GB, the sandboxed boot script), so two in parallel fill both cores.
  // `npx jest --maxWorkers=1` (or -i) still runs them serially.
  maxWorkers: 2,
  // The skip summary names every skipped test, why, and the command that enables it (jest alone
  // prints only "N skipped" and hides the console of fully skipped files). The slow-files summary
  // prints the wall time and the slowest files (the npm test time budget, issue 16).
  // One temporary folder per run, deleted at its end (__tests__/setup/run-tmpdir.js): the tests'
  // os.tmpdir() folders no longer pile up in /tmp. The terraform state cache stays outside it.
  globalSetup: "<rootDir>/__tests__/setup/global-setup.js",
  globalTeardown: "<rootDir>/__tests__/setup/global-teardown.js",
  reporters: ["default", "<rootDir>/__tests__/reporters/skip-summary.js", "<rootDir>/__tests__/reporters/slow-files.js"],
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"] },
    { ...common, displayName: "terraform", testMatch: ["<rootDir>/__tests__/terraform/**/*.test.ts"] },
    { ...common, displayName: "integration", testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"] },
  ],
};
