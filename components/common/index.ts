export * from "./labels";
export * from "./tags";
export * from "./security";
