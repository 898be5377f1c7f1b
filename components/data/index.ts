export * from "./password";
export * from "./postgresDatabase";
export * from "./appVolume";
