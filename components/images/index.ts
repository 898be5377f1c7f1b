export * from "./appImage";
export * from "./lifecycle";
