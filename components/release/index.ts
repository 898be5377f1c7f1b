export * from "./facts";
export * from "./releaseRecord";
export * from "./images";
