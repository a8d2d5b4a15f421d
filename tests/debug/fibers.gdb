break 21
run
info fibers
print data
info variables
print shared_list
fiber 2
bt
fiber 1
tick
info fibers
continue
bt
print nothing
continue
info fibers
run
info breakpoints
continue
quit
