{
  "targets": [
    {
      "target_name": "tsbgpd_native",
      "sources": ["native/binding.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "conditions": [
        ["OS=='linux'", { "sources": ["native/tcp_auth_linux.c", "native/netlink_linux.c", "native/netns_linux.c"] }],
        ["OS!='linux'", { "sources": ["native/tcp_auth_stub.c"] }]
      ]
    }
  ]
}
