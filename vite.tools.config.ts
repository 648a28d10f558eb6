import { defineConfig } from 'vite';

/**
 * The Node side of the package, built beside the library: the `gkc-session-doctor` and `gkc-session-stand-in`
 * commands and the `gkc-session/stand-in` module. An SSR build, so that Node's built-ins and the package's own
 * dependencies stay imports. Runs after the library build, which empties dist/.
 */
export default defineConfig({
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'dist/tools',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      input: {
        'gkc-session-doctor': 'tools/doctorCli.ts',
        'gkc-session-stand-in': 'tools/standInCli.ts',
        standIn: 'tools/standIn.ts',
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name].js' },
    },
  },
});
