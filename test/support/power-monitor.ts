import { EventEmitter } from 'node:events'
import type { PowerMonitor } from '../../main/lock/lock-service'

/**
 * Electron's powerMonitor as the lock uses it, where there is no Electron: a test emits `lock-screen`
 * or `suspend` and sets the system's idle state; left alone, the system never locks or sleeps.
 */
export class FakePowerMonitor extends EventEmitter implements PowerMonitor {
  idleState: 'active' | 'idle' | 'locked' | 'unknown' = 'active'
  getSystemIdleState() {
    return this.idleState
  }
}
