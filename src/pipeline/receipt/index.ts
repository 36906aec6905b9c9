export * from './statement.js';
export * from './dsse.js';
export { packageVersions, ownPackage, PIPELINE_PACKAGES } from './versions.js';
