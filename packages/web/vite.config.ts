import react from '@vitejs/plugin-react';
import { defineConfig, defaultClientConditions } from 'vite';

// The API server serves the built app from dist/ on its own port (packages/server, http/web-app.ts). During
// development `vite` serves the app and forwards the API and its WebSockets to a running server.
const apiTarget = process.env.GUREUM_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  // Workspace packages (client, contract) are bundled from their TypeScript sources: no stale dist.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: {
    proxy: { '/api': { target: apiTarget, ws: true, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 700,
  },
});
