# Extra pytest arguments: make test PYTEST_ARGS="-x -k socket"
PYTEST_ARGS ?=

.PHONY: demo test setup clean

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh $(PYTEST_ARGS)

setup:
	bash scripts/setup.sh

clean:
	rm -rf .venv node_modules facilitator/static/vendor
	rm -f instance/*.sqlite*
