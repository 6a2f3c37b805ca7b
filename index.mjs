// The ESM entry of the package (`import {TscBox} from 'tsc-box'`): the CommonJS build's named
// exports, which Node finds in dist/src/index.js without running it twice.
export * from './dist/src/index.js'
