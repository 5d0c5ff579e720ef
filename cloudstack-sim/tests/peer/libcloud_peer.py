"""Drives the simulator with Apache libcloud's CloudStack compute driver, unmodified.

Reads CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY and CLOUDSTACK_SECRET; prints one line per step and exits
non-zero on the first failure. The driver reads `nic`, `state`, `securitygroup` and `tags` of VMs,
template `hypervisor`/`format`/`ostypename`, offering `cpunumber`/`memory`, and calls
listPublicIpAddresses and listPortForwardingRules when it lists nodes.
"""
import os

import steps
from steps import step
from urllib.parse import urlparse

from libcloud.compute.providers import get_driver
from libcloud.compute.types import NodeState, Provider

url = urlparse(os.environ["CLOUDSTACK_ENDPOINT"])
CloudStack = get_driver(Provider.CLOUDSTACK)
driver = CloudStack(
    key=os.environ["CLOUDSTACK_KEY"],
    secret=os.environ["CLOUDSTACK_SECRET"],
    host=url.hostname,
    port=url.port,
    path=url.path,
    secure=False,
)
driver.connection.poll_interval = 0.05


locations = driver.list_locations()
step("list_locations", locations and locations[0].name == "Sandbox-simulator", locations)
images = driver.list_images(location=locations[0])
step(
    "list_images reads hypervisor, format and OS type",
    images and all(i.extra["hypervisor"] and i.extra["format"] and i.extra["os"] for i in images),
    images,
)
sizes = driver.list_sizes()
step("list_sizes reads cpunumber and memory", sizes and all(s.ram and s.extra["cpu"] for s in sizes), sizes)

group = driver.ex_create_security_group("libcloud-web", description="from libcloud")
step("ex_create_security_group", group["name"] == "libcloud-web", group)
found = driver.ex_list_security_groups(securitygroupname="libcloud-web")
step("ex_list_security_groups by name finds only that group", [g["name"] for g in found] == ["libcloud-web"], found)
driver.ex_authorize_security_group_ingress(
    securitygroupname="libcloud-web", protocol="TCP", cidrlist="0.0.0.0/0", startport=80, endport=80
)
step("ex_authorize_security_group_ingress", True)

node = driver.create_node(
    name="libcloud-vm",
    size=sizes[0],
    image=images[0],
    location=locations[0],
    ex_security_groups=["libcloud-web"],
    ex_start_vm=True,
)
step("create_node in the group", node.name == "libcloud-vm" and node.extra["security_group"] == ["libcloud-web"], node)
step("its NIC gives a private IP", len(node.private_ips) == 1, node.private_ips)

got = driver.ex_get_node(node.id)
step("ex_get_node lists it by id, running", got.id == node.id and got.state == NodeState.RUNNING, got)
in_group = driver.ex_list_security_groups(virtualmachineid=node.id)
step("its groups list by VM id", [g["name"] for g in in_group] == ["libcloud-web"], in_group)

driver.ex_create_tags([node.id], "UserVm", {"stack": "libcloud-peer"})
tagged = driver.ex_get_node(node.id)
step("ex_create_tags shows in the node's tags", tagged.extra.get("tags") == {"stack": "libcloud-peer"}, tagged.extra)

nodes = driver.list_nodes()
step("list_nodes sees it", [n.id for n in nodes] == [node.id], nodes)

step("destroy_node with expunge", driver.destroy_node(node, ex_expunge=True))
try:
    driver.ex_get_node(node.id)
    step("listing the expunged id answers empty", False, "it was still listed")
except Exception as e:  # libcloud raises a bare Exception("Node ... not found") for an empty list
    step("listing the expunged id answers empty", "not found" in str(e), e)
step("list_nodes is empty", driver.list_nodes() == [])

driver.ex_delete_security_group("libcloud-web")
step("ex_delete_security_group", driver.ex_list_security_groups(securitygroupname="libcloud-web") == [])
print(f"libcloud peer: {steps.count} passed, 0 failed")
