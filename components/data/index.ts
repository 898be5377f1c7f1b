export * from "./password";
export * from "./postgresDatabase";
