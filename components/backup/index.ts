export * from "./appBackup";
export * from "./environmentBackup";
export * from "./naming";
export * from "./rules";
export * from "./wiring";
