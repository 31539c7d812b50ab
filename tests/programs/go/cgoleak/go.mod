module growth.test/cgoleak

go 1.19
