/** Vite's `?inline` imports: a stylesheet as a string (for a shadow root). */
declare module '*.css?inline' {
  const css: string;
  export default css;
}
declare module '*.css';
