// Vite's ?raw imports: the file's text.
declare module '*?raw' {
  const content: string;
  export default content;
}
