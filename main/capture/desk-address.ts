import { networkInterfaces } from 'node:os'

/**
 * The desk's own network address, for the acceptance record (`acceptance.ip`): its first external IPv4
 * address, else its first external IPv6 one, else loopback on a desk with no network.
 */
export function deskAddress(interfaces = networkInterfaces()): string {
  const external = Object.values(interfaces)
    .flat()
    .filter((address) => address !== undefined && !address.internal)
  return (
    external.find((address) => address?.family === 'IPv4')?.address ??
    external.find((address) => address?.family === 'IPv6')?.address ??
    '127.0.0.1'
  )
}
