export * from "./postgresDatabase";
export * from "./appVolume";
export * from "./naming";
