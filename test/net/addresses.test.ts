import { describe, expect, test } from '@jest/globals'
import { multiaddr } from '@multiformats/multiaddr'
import { announcedAddresses } from '../../src/net/node.js'

const announced = (...addrs: string[]): string[] => announcedAddresses(addrs.map(a => multiaddr(a))).map(a => a.toString())

describe('announcedAddresses', () => {
  test('drops loopback addresses when the node has others: another machine that dials them reaches itself', () => {
    expect(announced('/ip4/127.0.0.1/tcp/4001', '/ip4/192.168.1.7/tcp/4001', '/ip6/::1/tcp/4001', '/ip6/fd00::7/tcp/4001'))
      .toEqual(['/ip4/192.168.1.7/tcp/4001', '/ip6/fd00::7/tcp/4001'])
  })

  test('keeps them when the node listens on loopback only (tests, benchmarks, nodes on one machine)', () => {
    expect(announced('/ip4/127.0.0.1/tcp/4101', '/ip6/::1/tcp/4101')).toEqual(['/ip4/127.0.0.1/tcp/4101', '/ip6/::1/tcp/4101'])
    expect(announced()).toEqual([])
  })

  test('leaves non-IP addresses alone', () => {
    expect(announced('/memory/abc', '/ip4/127.0.0.1/tcp/1')).toEqual(['/memory/abc'])
  })
})
