break twice
break 12
tbreak calls.bvasm:20
info breakpoints
run
bt
info locals
next
next
info locals
print y
finish
info stack
delete 1
continue
print i
next

next
step
step
stepi
frame 1
info locals
frame 0
disassemble
list
delete
continue
print nothing
quit
