export * from "./plan";
export * from "./assembly";
