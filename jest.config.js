/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  // onnxruntime-node checks tensors with instanceof against the outer realm's typed arrays.
  testEnvironment: '<rootDir>/tests/environment.js',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 120000,
};
