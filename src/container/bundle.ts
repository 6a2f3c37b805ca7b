/**
 * A container's directory under the data root: the OCI bundle (config.json), the generated
 * /etc files, the runtime's log and the record. Creating it is all-or-nothing: `remove`
 * deletes everything `create` made, the name claim included.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type {Spec} from '../oci/spec'
import {claimName} from './names'
import {containerDir, containersDir, writeRecord, type ContainerRecord} from './record'
import {removeContainerFiles} from './remove'

export interface EtcFiles {
  hostname: string
  hosts: string
  resolvConf: string
}

export interface ContainerFiles {
  dir: string
  etc: EtcFiles
  config: string
  log: string
}

export function containerFiles(dataRoot: string, id: string): ContainerFiles {
  const dir = containerDir(dataRoot, id)
  return {
    dir,
    etc: {hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf')},
    config: path.join(dir, 'config.json'),
    log: path.join(dir, 'runtime.log'),
  }
}

/** Claims the name and creates the directory; on any failure undoes both. */
export function createContainer(dataRoot: string, id: string, name: string): ContainerFiles {
  const files = containerFiles(dataRoot, id)
  fs.mkdirSync(containersDir(dataRoot), {recursive: true, mode: 0o700})
  fs.mkdirSync(files.dir, {mode: 0o700})
  try {
    claimName(dataRoot, name, id, files.dir)
  } catch (e) {
    fs.rmSync(files.dir, {recursive: true, force: true})
    throw e
  }
  return files
}

export function writeEtcFiles(files: ContainerFiles, content: EtcFiles): void {
  fs.writeFileSync(files.etc.hostname, content.hostname, {mode: 0o644})
  fs.writeFileSync(files.etc.hosts, content.hosts, {mode: 0o644})
  fs.writeFileSync(files.etc.resolvConf, content.resolvConf, {mode: 0o644})
}

export function writeConfig(files: ContainerFiles, spec: Spec): void {
  fs.writeFileSync(files.config, JSON.stringify(spec), {mode: 0o600})
}

export function saveRecord(files: ContainerFiles, record: ContainerRecord): void {
  writeRecord(files.dir, record)
}

/** Everything `createContainer` and `run` made (the store's removal, crates/containers). */
export function removeContainer(dataRoot: string, id: string, name: string): void {
  removeContainerFiles(dataRoot, id, name)
}
