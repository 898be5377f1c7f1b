export * from "./postgresDatabase";
export * from "./appVolume";
