/**
 * What `initialize` (from `backstage-actors/slim`) accepts: the module's bytes, a compiled
 * `WebAssembly.Module`, or a URL (string or `URL`) or `Response` to fetch it from — in Node, pass
 * bytes or a `Module` (Node's `fetch` has no `file:`). (`URL`, `Response` and `Module` fall under
 * `object`: naming them would make the declarations need the DOM or Node type libraries.)
 */
export type ModuleSource = ArrayBuffer | ArrayBufferView | string | object;
