// The labextension builder bundles .svg imports as strings.
declare module '*.svg' {
  const value: string;
  export default value;
}
