// comlink ships this adapter's types beside it under another name.
declare module "comlink/dist/esm/node-adapter.mjs" {
  import nodeEndpoint from "comlink/dist/esm/node-adapter";
  export default nodeEndpoint;
}
