// har-validator ships no types: the promise API the tests use, typed from its README.
declare module 'har-validator' {
  const validate: { har(document: unknown): Promise<unknown> };
  export default validate;
}
