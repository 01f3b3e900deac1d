export { loadConfig, type Config } from './config/config.js';
export { startServer, type RunningServer, type ServerOverrides } from './server.js';
