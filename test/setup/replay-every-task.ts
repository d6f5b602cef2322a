// The replay-every-task lane (jest.config.js): this test file's workers keep no workflow in their cache.
process.env.TEST_WORKER_CACHED_WORKFLOWS = '0';
