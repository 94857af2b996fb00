/**
 * Two tiers run by `npm test`: unit (synth-level, seconds) and integration (real terraform,
 * real openclaw, the boot script in a sandbox). The VM proof runs separately: `npm run test:vm`.
 * ts-jest transpiles only (isolatedModules); `tsc --noEmit` type-checks once before jest.
 */
const transform = { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] };
const common = {
  testEnvironment: "node",
  transform,
  moduleFileExtensions: ["ts", "js", "json"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup-matchers.ts"],
};

module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"] },
    { ...common, displayName: "integration", testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"] },
  ],
};
