/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Tauri sets TAURI_ENV_DEBUG for `tauri dev` and debug builds.
const debug = !!process.env.TAURI_ENV_DEBUG;

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  // Keep Tauri CLI output visible.
  clearScreen: false,
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  server: {
    host: '127.0.0.1',
    port: 1420,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**', '**/target/**'] },
  },
  preview: {
    host: '127.0.0.1',
    port: 1421,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK (Linux) and WKWebView (macOS) are the oldest engines we ship on.
    target: ['es2021', 'safari15'],
    // The app runs under a strict CSP (default-src 'self'; script-src 'self'): keep
    // every asset a real file, since data: URLs would be refused for fonts and workers.
    assetsInlineLimit: 0,
    minify: !debug,
    sourcemap: debug,
    reportCompressedSize: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
    // CI machines may be shared and slow: a test that needs a few seconds of
    // typing and rendering there is not a hung test.
    testTimeout: 30_000,
  },
});
