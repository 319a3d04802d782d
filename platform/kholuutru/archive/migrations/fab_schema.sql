-- Flask-AppBuilder 5.3 security tables (ab_*), PostgreSQL DDL as FAB's own models define them.
-- Created by the archive's migrations because the console connects as a role that cannot run DDL.
CREATE SEQUENCE ab_api_key_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_group_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_group_role_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_permission_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_permission_view_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_permission_view_role_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_register_user_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_role_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_user_group_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_user_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_user_role_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE SEQUENCE ab_view_menu_id_seq START WITH 1 INCREMENT BY 1 MINVALUE 1 NO CYCLE;
CREATE TABLE ab_group (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	label VARCHAR(150), 
	description VARCHAR(512), 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE ab_permission (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE ab_register_user (
	id INTEGER NOT NULL, 
	first_name VARCHAR(64) NOT NULL, 
	last_name VARCHAR(64) NOT NULL, 
	username VARCHAR(128) NOT NULL, 
	password VARCHAR(256), 
	email VARCHAR(320) NOT NULL, 
	registration_date TIMESTAMP WITHOUT TIME ZONE, 
	registration_hash VARCHAR(256), 
	PRIMARY KEY (id), 
	UNIQUE (username), 
	UNIQUE (email)
);
CREATE TABLE ab_role (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE ab_user (
	id INTEGER NOT NULL, 
	first_name VARCHAR(64) NOT NULL, 
	last_name VARCHAR(64) NOT NULL, 
	username VARCHAR(128) NOT NULL, 
	password VARCHAR(256), 
	active BOOLEAN, 
	email VARCHAR(320) NOT NULL, 
	last_login TIMESTAMP WITHOUT TIME ZONE, 
	login_count INTEGER, 
	fail_login_count INTEGER, 
	created_on TIMESTAMP WITHOUT TIME ZONE, 
	changed_on TIMESTAMP WITHOUT TIME ZONE, 
	created_by_fk INTEGER, 
	changed_by_fk INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (username), 
	UNIQUE (email), 
	FOREIGN KEY(created_by_fk) REFERENCES ab_user (id), 
	FOREIGN KEY(changed_by_fk) REFERENCES ab_user (id)
);
CREATE TABLE ab_view_menu (
	id INTEGER NOT NULL, 
	name VARCHAR(250) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE ab_api_key (
	id INTEGER NOT NULL, 
	uuid VARCHAR(36) NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	key_hash VARCHAR(256) NOT NULL, 
	lookup_hash VARCHAR(256), 
	key_prefix VARCHAR(16) NOT NULL, 
	user_id INTEGER NOT NULL, 
	scopes TEXT, 
	active BOOLEAN NOT NULL, 
	created_on TIMESTAMP WITHOUT TIME ZONE, 
	expires_on TIMESTAMP WITHOUT TIME ZONE, 
	revoked_on TIMESTAMP WITHOUT TIME ZONE, 
	last_used_on TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (id), 
	UNIQUE (uuid), 
	UNIQUE (lookup_hash), 
	FOREIGN KEY(user_id) REFERENCES ab_user (id) ON DELETE CASCADE
);
CREATE INDEX idx_api_key_prefix ON ab_api_key (key_prefix);
CREATE UNIQUE INDEX idx_api_key_lookup_hash ON ab_api_key (lookup_hash);
CREATE INDEX idx_api_key_user_id ON ab_api_key (user_id);
CREATE TABLE ab_group_role (
	id INTEGER NOT NULL, 
	group_id INTEGER, 
	role_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (group_id, role_id), 
	FOREIGN KEY(group_id) REFERENCES ab_group (id) ON DELETE CASCADE, 
	FOREIGN KEY(role_id) REFERENCES ab_role (id) ON DELETE CASCADE
);
CREATE INDEX idx_group_id ON ab_group_role (group_id);
CREATE INDEX idx_group_role_id ON ab_group_role (role_id);
CREATE TABLE ab_permission_view (
	id INTEGER NOT NULL, 
	permission_id INTEGER NOT NULL, 
	view_menu_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (permission_id, view_menu_id), 
	FOREIGN KEY(permission_id) REFERENCES ab_permission (id), 
	FOREIGN KEY(view_menu_id) REFERENCES ab_view_menu (id)
);
CREATE INDEX idx_view_menu_id ON ab_permission_view (view_menu_id);
CREATE INDEX idx_permission_id ON ab_permission_view (permission_id);
CREATE TABLE ab_user_group (
	id INTEGER NOT NULL, 
	user_id INTEGER, 
	group_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (user_id, group_id), 
	FOREIGN KEY(user_id) REFERENCES ab_user (id) ON DELETE CASCADE, 
	FOREIGN KEY(group_id) REFERENCES ab_group (id) ON DELETE CASCADE
);
CREATE INDEX idx_user_id ON ab_user_group (user_id);
CREATE INDEX idx_user_group_id ON ab_user_group (group_id);
CREATE TABLE ab_user_role (
	id INTEGER NOT NULL, 
	user_id INTEGER, 
	role_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (user_id, role_id), 
	FOREIGN KEY(user_id) REFERENCES ab_user (id) ON DELETE CASCADE, 
	FOREIGN KEY(role_id) REFERENCES ab_role (id) ON DELETE CASCADE
);
CREATE TABLE ab_permission_view_role (
	id INTEGER NOT NULL, 
	permission_view_id INTEGER, 
	role_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (permission_view_id, role_id), 
	FOREIGN KEY(permission_view_id) REFERENCES ab_permission_view (id) ON DELETE CASCADE, 
	FOREIGN KEY(role_id) REFERENCES ab_role (id) ON DELETE CASCADE
);
CREATE INDEX idx_permission_view_id ON ab_permission_view_role (permission_view_id);
CREATE INDEX idx_role_id ON ab_permission_view_role (role_id);
