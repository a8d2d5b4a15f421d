import pytest

import brainvm

HELLO = """.func main()
  push_const "hi"
  host_call_args print 1
  pop
  push_const 42
  ret
.end
"""


def test_assemble_and_functions():
    p = brainvm.Program.assemble(HELLO, filename="hello.bvasm")
    assert p.functions == ["main"]
    assert not p.verified
    p.verify()
    assert p.verified


def test_assembly_errors_carry_diagnostics():
    text = ".func main()\n  push_const 1\n  bogus_op 3\n  jmp nowhere\n  ret\n.end\n"
    with pytest.raises(brainvm.AssemblyError) as info:
        brainvm.Program.assemble(text, filename="bad.bvasm")
    e = info.value
    assert e.code == "BVM_ERR_ASSEMBLY"
    assert isinstance(e, brainvm.BrainvmError)
    assert [(d.file, d.line, d.column) for d in e.diagnostics] == [
        ("bad.bvasm", 3, 3), ("bad.bvasm", 4, 7)]
    assert "bogus_op" in e.diagnostics[0].message
    assert e.diagnostics[0].source_line == "  bogus_op 3"
    assert "^" in str(e.diagnostics[0])
    assert "bad.bvasm:3:3" in str(e)


def test_images_round_trip(tmp_path):
    p = brainvm.Program.assemble(HELLO, filename="hello.bvasm")
    image = p.to_image()
    assert image[:4] != HELLO.encode()[:4]
    q = brainvm.Program.from_image(image)
    assert q.to_image() == image
    assert len(p.to_image(strip=True)) < len(image)
    assert brainvm.Program.assemble(q.disassemble()).to_image() == image
    path = tmp_path / "hello.bvm"
    path.write_bytes(image)
    assert brainvm.Program.load(path).functions == ["main"]
    src = tmp_path / "hello.bvasm"
    src.write_text(HELLO)
    assert brainvm.Program.load(src).to_image() == brainvm.Program.assemble(
        HELLO, filename=str(src)).to_image()


def test_bad_images_and_files(tmp_path):
    image = brainvm.Program.assemble(HELLO).to_image()
    with pytest.raises(brainvm.InvalidImageError) as info:
        brainvm.Program.from_image(image[: len(image) // 2], filename="cut.bvm")
    d = info.value.diagnostics[0]
    assert d.file == "cut.bvm" and d.offset >= 0
    with pytest.raises(brainvm.FileError) as info:
        brainvm.Program.load(tmp_path / "missing.bvasm")
    assert isinstance(info.value, OSError)
    assert "cannot read" in str(info.value)


def test_verify_errors():
    p = brainvm.Program.assemble(".func main()\n  pop\n  push_const 1\n  ret\n.end\n")
    with pytest.raises(brainvm.VerifyError) as info:
        p.verify()
    d = info.value.diagnostics[0]
    assert (d.function, d.pc, d.line) == ("main", 0, 2)
    with pytest.raises(brainvm.VerifyError):
        brainvm.Runtime(p).start()
    helper = brainvm.Program.assemble(".func helper()\n  push_const 1\n  ret\n.end\n")
    with pytest.raises(brainvm.VerifyError):
        helper.verify()  # nothing to run
    helper.verify(require_runnable=False)


def test_closed_program():
    p = brainvm.Program.assemble(HELLO)
    p.close()
    with pytest.raises(ValueError):
        p.functions
    p.close()
