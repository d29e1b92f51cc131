// Vite's ?raw imports: the file's text.
declare module '*?raw' {
  const content: string;
  export default content;
}

// Vite's import.meta.glob, as the tests use it (eager: the modules, keyed by path).
interface ImportMeta {
  glob<T = unknown>(
    pattern: string,
    options: { query?: string; import?: string; eager: true },
  ): Record<string, T>;
}
