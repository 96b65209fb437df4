import { defineConfig } from "vite";

// The hub serves dist/ under a strict CSP (script-src 'self', style-src 'self'), so the build
// must emit only external scripts and stylesheets: no inline code, no style attributes.
export default defineConfig({
  // Vite 5 (esbuild) rather than 8: it runs on Debian 12's Node.js 18 as well as on Node 20+.
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "/healthz": "http://127.0.0.1:8080",
    },
  },
});
