# bpf fragment: vmlinux.h, every bpf/*.bpf.c -> build/bpf/*.bpf.o ->
# build/include/*.skel.h.  bpf/ holds what fphint ships (picked up by the
# wildcard); a test's or benchmark's own program lives next to it and is
# built by the same rules (vpath), its skeleton named with fphint_bpf_skel.
vpath %.bpf.c bpf tests/agent bench
fphint_bpf_skel = $(patsubst %.bpf.c,$(BUILD)/include/%.skel.h,$(notdir $(1)))
BPF_SRCS := $(wildcard bpf/*.bpf.c)
FPHINT_SKELS := $(call fphint_bpf_skel,$(BPF_SRCS))
VMLINUX_H := $(BUILD)/include/vmlinux.h
BPF_CFLAGS := -target bpf -mcpu=v3 -O2 -g -D__TARGET_ARCH_x86 -Wall -Werror \
	-I$(BUILD)/include -I$(TOP)/include -I$(TOP)/bpf

# Only rewritten when the running kernel's BTF differs, so a rebuild does
# not cascade through every BPF object.
$(VMLINUX_H): /sys/kernel/btf/vmlinux
	@mkdir -p $(dir $@)
	$(BPFTOOL) btf dump file $< format c > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/bpf/%.bpf.o: %.bpf.c $(VMLINUX_H) $(wildcard bpf/*.h) include/fphint_layout.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/include/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(dir $@)
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

ALL_TARGETS += $(FPHINT_SKELS)
