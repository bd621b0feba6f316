// Jest covers the pure logic only (modules that import nothing from @jupyterlab);
// everything that touches the DOM or the server is tested in a real browser (tests/browser/).
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testRegex: 'src/__tests__/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  }
};
