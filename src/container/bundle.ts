/**
 * A container's directory under the data root: the OCI bundle (config.json), the generated
 * /etc files, the runtime's log and the record. Each step of creating it is recorded before
 * it is taken (crates/containers/src/creation.rs), so a `run` killed anywhere leaves what
 * `ps -a` lists and `rm` removes; `remove` deletes everything `create` made, the name included.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type {Spec} from '../oci/spec'
import {containerDir, toStoreRecord, writeRecord, type ContainerRecord} from './record'
import {removeContainerFiles} from './remove'
import {containers} from './store'

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

/**
 * The container's directory appears with `record` in it (state "creating", this process its
 * creator) in one step, then its name is claimed: `record.name`, or a random docker-style one
 * when empty (crates/containers/src/creation.rs). `record.rootfs` must already say where the
 * writable layer will be mounted: it is made only after this. On any failure undoes both.
 */
export function createContainer(dataRoot: string, record: ContainerRecord): {files: ContainerFiles; name: string} {
  const made = containers({dataRoot, runDir: ''}, (s) => s.create(toStoreRecord({...record, status: 'creating', creator: null})))
  return {files: containerFiles(dataRoot, record.id), name: made.name}
}

export function writeEtcFiles(files: ContainerFiles, content: EtcFiles): void {
  fs.writeFileSync(files.etc.hostname, content.hostname, {mode: 0o644})
  fs.writeFileSync(files.etc.hosts, content.hosts, {mode: 0o644})
  fs.writeFileSync(files.etc.resolvConf, content.resolvConf, {mode: 0o644})
}

export function writeConfig(files: ContainerFiles, spec: Spec): void {
  fs.writeFileSync(files.config, JSON.stringify(spec), {mode: 0o600})
}

/** With `keepMissing`, a directory removed meanwhile (an `rm` that stopped waiting) is no error. */
export function saveRecord(files: ContainerFiles, record: ContainerRecord, keepMissing = false): void {
  writeRecord(files.dir, record, keepMissing)
}

/**
 * Everything `createContainer` and `run` made (the store's removal, crates/containers); with
 * `anonymousVolumes`, its anonymous volumes no other container mounts (`--rm`, a failed run).
 */
export function removeContainer(dataRoot: string, id: string, name: string, anonymousVolumes = false): void {
  removeContainerFiles(dataRoot, id, name, anonymousVolumes)
}
