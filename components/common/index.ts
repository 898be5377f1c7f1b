export * from "./labels";
